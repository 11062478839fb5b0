// VitrineCore: placeholder until the module lands.
