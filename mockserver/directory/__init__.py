"""The accounts the emulator serves: the model, the seeded builder and the fixture format."""
