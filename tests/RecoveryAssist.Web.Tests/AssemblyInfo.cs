using System.Runtime.Versioning;

// Chromium, OpenSSH and the ESXi simulator run on Linux here.
[assembly: SupportedOSPlatform("linux")]
