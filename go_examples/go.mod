module golab.local/examples

go 1.27
