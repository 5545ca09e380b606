"""The demo city: real regions and organizations of Taizhou (台州市) plus labelled demo content."""
