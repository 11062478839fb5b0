// VitrineStore: placeholder until the module lands.
