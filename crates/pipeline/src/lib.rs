//! The pipeline: hands each stage what it needs and keeps I/O at the edges.
