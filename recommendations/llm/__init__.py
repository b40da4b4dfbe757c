"""Language-model parts: the sentence encoder and intent understanding. No Django here."""
