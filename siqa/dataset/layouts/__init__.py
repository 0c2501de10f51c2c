"""The three on-disk layouts of a release. Each indexer lists a batch's participant files from names and
headers only, and returns sources that read modalities on demand; validators never see which layout it was."""
