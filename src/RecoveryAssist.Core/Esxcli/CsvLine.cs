namespace RecoveryAssist.Core.Esxcli;

/// <summary>
/// Splits one line of CSV into cells: RFC 4180 quoting (<c>"a,b"</c>, <c>""</c> for a quote),
/// as esxcli's csv formatter and PowerShell's Export-Csv write it. A quoted cell may not span
/// lines: neither writer puts a line break inside the values RecoveryAssist reads.
/// </summary>
internal static class CsvLine
{
    /// <summary>The cells, or null when a quote is not closed or text follows a closing quote.</summary>
    public static IReadOnlyList<string>? Split(string line, char delimiter = ',')
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var i = 0;
        while (true)
        {
            cell.Clear();
            // Whitespace before an opening quote is tolerated; inside an unquoted cell it is kept.
            var start = i;
            while (i < line.Length && line[i] == ' ')
                i++;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                var closed = false;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            cell.Append('"');
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    cell.Append(line[i++]);
                }
                if (!closed)
                    return null;
                while (i < line.Length && line[i] == ' ')
                    i++;
                if (i < line.Length && line[i] != delimiter)
                    return null;
            }
            else
            {
                i = start;
                while (i < line.Length && line[i] != delimiter)
                {
                    if (line[i] == '"')
                        return null;
                    cell.Append(line[i++]);
                }
            }
            cells.Add(cell.ToString());
            if (i >= line.Length)
                return cells;
            i++; // the delimiter
        }
    }
}
