"""The organisation: instansi, units and pegawai, imported from JSON, CSV or XLSX; mutasi between units."""
