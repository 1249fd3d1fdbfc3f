//! Getting pages in: files, folders, WARC archives, feeds and HTTP.
