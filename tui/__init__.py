"""byteswarm operator TUI (textual): reads the store, writes control rows (not yet built)."""
