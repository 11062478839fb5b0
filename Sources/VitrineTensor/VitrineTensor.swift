// VitrineTensor: placeholder until the module lands.
