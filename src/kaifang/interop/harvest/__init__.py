"""Harvesting other catalogues (a CKAN Action API or a DCAT catalogue) into ours, as jobs."""
