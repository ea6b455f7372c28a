using System.Text;

namespace RecoveryAssist.Cli.Remote;

/// <summary>Reads a password: without echo from a terminal, else one line of stdin. Never from a flag.</summary>
internal static class Secrets
{
    public static string ReadPassword(CliConsole console, string prompt)
    {
        if (!ReferenceEquals(console.Input, Console.In) || Console.IsInputRedirected)
            return console.Input.ReadLine() ?? throw new ApiException(ExitCodes.InvalidInput, "expected a password on standard input");
        console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
                password.Length--;
            else if (!char.IsControl(key.KeyChar))
                password.Append(key.KeyChar);
        }
        console.Error.WriteLine();
        return password.ToString();
    }
}
