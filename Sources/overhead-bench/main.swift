import OverheadCLI
import OverheadSystem

// Writes to a peer (pipe or socket) that went away must fail with EPIPE, not kill the tool.
Interrupt.ignoreBrokenPipes()
OverheadBench.main()
