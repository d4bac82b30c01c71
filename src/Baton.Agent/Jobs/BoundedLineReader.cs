using System.Globalization;
using System.Text;

namespace Baton.Agent.Jobs;

/// <summary>
/// Reads a job's output as lines in fixed-size chunks. A line longer than the limit is cut as it
/// streams — the first <c>maxLineChars</c> characters are returned with a note, the rest of that line is
/// read and dropped — so memory stays a few buffers whatever the process prints, where
/// <see cref="TextReader.ReadLineAsync()"/> would hold the whole line (a job printing 400 MiB without a
/// newline took an agent from 0.5 to 3 GB). Line ends are those of <c>ReadLine</c>: \n, \r and \r\n.
/// </summary>
public sealed class BoundedLineReader(TextReader reader, int maxLineChars)
{
    private const int ChunkChars = 8192;
    private readonly char[] _chunk = new char[ChunkChars];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;
    private bool _dropping;
    private bool _skipLineFeed;
    private bool _finished;

    public string CutNote => $" …[line cut at {maxLineChars.ToString("N0", CultureInfo.InvariantCulture)} characters]";

    /// <summary>The next line (cut at the limit), or null at the end of the output.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_start == _end)
            {
                if (_finished) return null;
                _start = 0;
                _end = await reader.ReadAsync(_chunk.AsMemory(), cancellationToken);
                if (_end == 0)
                {
                    _finished = true;
                    // A cut line was returned when it was cut; its dropped tail ends here.
                    if (_dropping || _line.Length == 0) return null;
                    return TakeLine();
                }
            }

            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (_chunk[_start] == '\n')
                {
                    _start++;
                    continue;
                }
            }

            var span = _chunk.AsSpan(_start, _end - _start);
            var end = span.IndexOfAny('\n', '\r');
            var text = end < 0 ? span : span[..end];
            if (!_dropping)
            {
                var room = maxLineChars - _line.Length;
                if (text.Length > room)
                {
                    _line.Append(text[..room]);
                    _dropping = true;
                    _start += end < 0 ? span.Length : end;
                    // Return the cut line now; the rest of it is dropped as it arrives.
                    var cut = _line.ToString() + CutNote;
                    _line.Clear();
                    return cut;
                }
                _line.Append(text);
            }
            if (end < 0)
            {
                _start = _end;
                continue;
            }
            _skipLineFeed = span[end] == '\r';
            _start += end + 1;
            if (_dropping)
            {
                _dropping = false;
                continue;
            }
            return TakeLine();
        }
    }

    private string TakeLine()
    {
        var line = _line.ToString();
        _line.Clear();
        return line;
    }
}
