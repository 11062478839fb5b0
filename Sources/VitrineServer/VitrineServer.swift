// VitrineServer: placeholder until the module lands.
