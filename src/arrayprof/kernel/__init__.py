"""IPython/Jupyter glue: the extension entry point, the magics, automatic mode and display."""
