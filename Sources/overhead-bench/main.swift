import OverheadCLI
import OverheadSystem

// Writes to a peer (pipe or socket) that went away must fail with EPIPE, not kill the tool.
Interrupt.ignoreBrokenPipes()
// Started with stdout or stderr closed, they must not be reused for the files the run opens.
StandardStream.reserveStandardDescriptors()
OverheadBench.main()
