namespace RecoveryAssist.Testing;

internal static class TestDirectory
{
    /// <summary>A new directory name under the temporary directory (not created).</summary>
    public static string NewPath(string prefix) => Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));

    /// <summary>Deletes a test's directory; one still in use by a process that is going away is left behind.</summary>
    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
