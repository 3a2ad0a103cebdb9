"""Date and number formats for the interface languages Django has none for (FORMAT_MODULE_PATH
in cwtt/settings.py; decision 0062). Separators follow the Unicode CLDR data for each language;
dates are written day first, as South Africans write them."""
