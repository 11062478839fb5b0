// VitrineImage: placeholder until the module lands.
