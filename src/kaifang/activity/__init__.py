"""What signed-in users did on the portal that they may want to find again (downloads)."""
