"""Voice providers: one adapter per vendor plus the offline engine, behind `VoiceProvider`."""
