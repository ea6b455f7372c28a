using System.Runtime.Versioning;

// The end-to-end peers (OpenSSH, the simulator's /proc use) are Linux-only.
[assembly: SupportedOSPlatform("linux")]
