// VitrineCatalog: placeholder until the module lands.
