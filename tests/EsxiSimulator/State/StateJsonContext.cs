using System.Text.Json.Serialization;

namespace RecoveryAssist.EsxiSimulator.State;

// Source-generated: the simulator starts once per SSH command, so it avoids reflection at start-up.
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HostState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
