"""Infringer records: names, shop ids, web addresses and contacts linked to cases across companies."""
