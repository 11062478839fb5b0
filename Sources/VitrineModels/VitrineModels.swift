// VitrineModels: placeholder until the module lands.
