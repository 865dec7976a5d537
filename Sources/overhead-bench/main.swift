import OverheadCLI

OverheadBench.main()
