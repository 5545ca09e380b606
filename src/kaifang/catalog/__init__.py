"""The catalogue: datasets, data items, resources, vocabularies, catalogue codes, workflow."""
