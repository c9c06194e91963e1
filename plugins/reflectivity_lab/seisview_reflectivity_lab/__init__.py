"""The reflectivity lab: reproduce the Zoeppritz neural-network tutorial inside seisview."""


def manifest() -> dict:
    return {"name": "reflectivity-lab", "version": "0.1.0", "contributions": []}
