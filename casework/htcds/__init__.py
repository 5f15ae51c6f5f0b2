"""Import from (and, next, export to) the HTCDS 2.0 Excel template: reader, mapping, importer."""
