using RecoveryAssist.Core.Keys;

namespace RecoveryAssist.Testing;

/// <summary>Builds <c>recovery list</c> output the way ESXi prints it (the published table form).</summary>
internal static class EsxcliOutput
{
    public static string RecoveryList(RecoveryId id, RecoveryKey key) =>
        "Recovery ID                             Key\n" +
        "--------------------------------------  ---\n" +
        $"{id}  {key.Reveal()}\n";

    public static (RecoveryId Id, RecoveryKey Key, string Output) NewHostKey()
    {
        var id = new RecoveryId(Guid.NewGuid());
        var key = RecoveryKey.Generate();
        return (id, key, RecoveryList(id, key));
    }
}
