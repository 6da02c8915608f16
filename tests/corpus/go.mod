module golab.local/corpus

go 1.27
