"""Date formats: dd/mm/yyyy in both languages, as people in Togo write dates."""
