"""The prepare stage: probe what arrived, reject what is unusable, decode the audio once."""
