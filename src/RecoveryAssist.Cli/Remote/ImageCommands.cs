using System.CommandLine;

namespace RecoveryAssist.Cli.Remote;

/// <summary>ESXi images for the network recovery boot: list, register an extracted tree, upload an installer ISO.</summary>
internal static class ImageCommands
{
    public static Command Build(CliConsole console)
    {
        var image = new Command("image", "ESXi installer images served for the network recovery boot.");

        var list = new Command("list", "List registered images (JSON).");
        list.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.GetAsync("/api/boot/images").ConfigureAwait(false));
        }));
        image.Add(list);

        var addId = new Argument<string>("ID") { Description = "The image id, e.g. esxi-8.0u2 (lower case)." };
        var directory = new Argument<string>("DIRECTORY") { Description = "An extracted ESXi installer tree on the appliance (absolute path)." };
        var add = new Command("add", "Register an extracted installer tree that is already on the appliance.") { addId, directory };
        add.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            using var client = RemoteSettings.Client(result);
            RemoteCommands.Print(console, await client.PostAsync("/api/boot/images", new { id = result.GetValue(addId), directory = result.GetValue(directory) }).ConfigureAwait(false));
        }));
        image.Add(add);

        var uploadId = new Argument<string>("ID") { Description = "The image id, e.g. esxi-8.0u2 (lower case); an existing image of that id is replaced." };
        var iso = new Argument<string>("ISO") { Description = "The ESXi installer ISO file." };
        var upload = new Command("upload", "Upload an installer ISO: the appliance extracts and registers it.") { uploadId, iso };
        upload.SetAction((result, _) => RemoteCommands.Run(console, async () =>
        {
            // A 600 MB ISO over a slow management link takes minutes.
            using var client = RemoteSettings.Client(result, timeout: TimeSpan.FromHours(1));
            var path = $"/api/boot/images/{Uri.EscapeDataString(result.GetValue(uploadId)!)}/iso";
            RemoteCommands.Print(console, await client.PostFileAsync(path, result.GetValue(iso)!).ConfigureAwait(false));
        }));
        image.Add(upload);
        return image;
    }
}
