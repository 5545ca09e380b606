"""The app showcase (应用展示): apps and studies built on open data, reviewed before shown."""
