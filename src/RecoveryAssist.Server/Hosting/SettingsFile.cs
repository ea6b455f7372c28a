namespace RecoveryAssist.Server.Hosting;

/// <summary>
/// The settings file an installed appliance reads: <c>RECOVERYASSIST_CONFIG</c> names a JSON file
/// (the package ships <c>/etc/recoveryassist/recoveryassist.json</c>) whose keys are the same as the
/// <c>--RecoveryAssist:&lt;Setting&gt;</c> flags. It holds settings only: secrets have their own path
/// (files and environment variables named in AppOptions), never this file.
/// </summary>
internal static class SettingsFile
{
    public const string EnvironmentVariable = "RECOVERYASSIST_CONFIG";

    /// <summary>
    /// Adds the file named by <see cref="EnvironmentVariable"/>, if any, above appsettings.json and below
    /// environment variables and the command line, so that a one-off flag still wins over the file.
    /// </summary>
    /// <exception cref="SettingsFileException">The variable names a file that does not exist or is not valid JSON.</exception>
    public static void Add(ConfigurationManager configuration, string[] args)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is not { Length: > 0 } path)
            return;
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new SettingsFileException($"{EnvironmentVariable} names {full}, which does not exist.");
        try
        {
            configuration.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        catch (InvalidDataException e)
        {
            // The JSON reader's own message names the line (counted from 0) and position; it quotes at most one character.
            throw new SettingsFileException($"settings file {full}: {e.GetBaseException().Message}");
        }
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
    }
}

/// <summary>The settings file cannot be read: the appliance does not start, and says which file and where.</summary>
internal sealed class SettingsFileException(string message) : Exception(message);
