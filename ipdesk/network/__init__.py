"""The network: hubs (IP centres) and the countries they cover."""
