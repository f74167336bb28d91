using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Microsoft.ML.OnnxRuntime;

namespace TypedModels.Load;

/// <summary>One line ONNX Runtime logged: its severity, its log id, the line as ONNX Runtime's console sink would print it, and its bare message.</summary>
internal readonly record struct LogLine(OrtLoggingLevel Severity, string LogId, string Text, string Message);

/// <summary>
/// Where ONNX Runtime's log lines go. ONNX Runtime has one environment per process (<see cref="OrtEnv"/>), created
/// once with its logger; before the first session, TypedModels creates it with <see cref="OnLog"/> as that logger,
/// so that no line reaches stderr on its own:
/// <list type="bullet">
/// <item>while a session is being created (<see cref="Capture"/>, on the loading thread), lines at or above the
/// options' <see cref="TypedModelOptions.LogLevel"/> are collected: a failing load puts them in its
/// <see cref="TypedModelException"/>, a successful one writes them to <see cref="Console.Error"/>;</item>
/// <item>elsewhere (a run, binding a new shape), the errors of TypedModels' sessions and of the environment are
/// dropped: ONNX Runtime throws with the same text, which the <see cref="TypedModelException"/> wrapping it carries,
/// or TypedModels recovers from the failure itself (a run whose output shape depends on the values fails on buffers
/// bound for the last shape, and is run again). Lesser lines go to <see cref="Console.Error"/>;</item>
/// <item>lines of sessions the application created with ONNX Runtime's own API (another log id) go to
/// <see cref="Console.Error"/> as ONNX Runtime would have written them.</item>
/// </list>
/// </summary>
/// <remarks>
/// Levels: a session's own lines (its load, its runs, tagged with its log id) are filtered by ONNX Runtime with that
/// session's level. Lines logged without a session (loading a provider library, the environment itself) are
/// filtered with the environment's level, which is the lowest level any session has asked for so far (it is only ever
/// lowered), and, during a load, with that load's level. When the environment was created before the first
/// TypedModels session (by <see cref="OrtEnv.CreateInstanceWithOptions"/> or any use of <see cref="OrtEnv.Instance"/>),
/// its logger stays as it was and each session logs at the stricter of its level and the environment's.
/// Nothing here runs on a successful call's path: the callback is entered only when ONNX Runtime logs.
/// </remarks>
internal static class LogRouter
{
    private static readonly object Gate = new();

    // ONNX Runtime calls this from native code for as long as the process lives: the delegate must stay reachable.
    private static readonly DOrtLoggingFunction Sink = OnLog;

    /// <summary>The environment's log id, which ONNX Runtime gives the lines it logs outside any session.</summary>
    internal const string EnvironmentLogId = "TypedModels";

    // The log ids of TypedModels' sessions (their model's name; a run's lines carry its session's) and the environment's.
    private static readonly ConcurrentDictionary<string, byte> OwnIds = new(StringComparer.Ordinal) { [EnvironmentLogId] = 0 };
    private static readonly ConcurrentDictionary<string, byte>.AlternateLookup<ReadOnlySpan<char>> OwnIdLookup = OwnIds.GetAlternateLookup<ReadOnlySpan<char>>();

    private static bool _configured;
    private static bool _routed;
    private static OrtLoggingLevel _environmentLevel;

    [ThreadStatic] private static Capture? t_capture;

    /// <summary>Whether ONNX Runtime's environment logs through <see cref="OnLog"/> (false when it was created elsewhere first).</summary>
    internal static bool IsRouted
    {
        get
        {
            lock (Gate)
                return _routed;
        }
    }

    /// <summary>
    /// Creates ONNX Runtime's environment with this router as its logger, if nothing has created it yet, and lowers the
    /// environment's level to <paramref name="level"/> if that is lower. Returns the level a session of these options
    /// logs at. Called before every session is created, never on a call's path.
    /// </summary>
    public static OrtLoggingLevel Prepare(OrtLoggingLevel level, string logId)
    {
        OwnIds.TryAdd(logId, 0);
        lock (Gate)
        {
            if (!_configured)
            {
                if (!OrtEnv.IsCreated)
                {
                    try
                    {
                        var environment = new EnvironmentCreationOptions { logId = EnvironmentLogId, logLevel = level, loggingFunction = Sink };
                        OrtEnv.CreateInstanceWithOptions(ref environment);
                        _routed = true;
                    }
                    catch (OnnxRuntimeException) when (OrtEnv.IsCreated)
                    {
                        // Another thread created it between the test and the call: it stays as it was made.
                    }
                }
                _environmentLevel = _routed ? level : OrtEnv.Instance().EnvLogLevel;
                _configured = true;
            }
            if (!_routed)
                return level > _environmentLevel ? level : _environmentLevel;
            if (level < _environmentLevel)
            {
                OrtEnv.Instance().EnvLogLevel = level;
                _environmentLevel = level;
            }
            return level;
        }
    }

    /// <summary>The level the environment filters lines logged outside any session with (the lowest asked for so far).</summary>
    internal static OrtLoggingLevel EnvironmentLevel
    {
        get
        {
            lock (Gate)
                return _environmentLevel;
        }
        set
        {
            // Only tests raise it, to put back what a test of a lower level changed.
            lock (Gate)
            {
                if (!_routed)
                    return;
                OrtEnv.Instance().EnvLogLevel = value;
                _environmentLevel = value;
            }
        }
    }

    /// <summary>Collects the lines this thread logs at or above <paramref name="level"/> until disposed; see <see cref="LogRouter"/>.</summary>
    public static Capture Collect(OrtLoggingLevel level) => new(level);

    /// <summary>The lines the load in progress on this thread has logged, for the <see cref="TypedModelException"/> it is failing with.</summary>
    public static LogLine[] Claim() => t_capture?.Take() ?? [];

    private static void OnLog(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        // Native code called in: nothing may escape.
        try
        {
            var capture = t_capture;
            if (capture is not null && severity < capture.Level)
                return;
            message = message.TrimEnd();
            var line = new LogLine(severity, logId, $"[{Letter(severity)}:{category}:{logId}, {codeLocation}] {message}", message);
            if (capture is not null)
                capture.Add(line);
            else if (severity < OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR || !IsOwn(logId))
                Write(line);
        }
        catch
        {
            // A log line is not worth a crash in native code.
        }
    }

    /// <summary>Whether <paramref name="logId"/> is a TypedModels session's (a run's is its session's, then <c>:</c> and its tag) or the environment's.</summary>
    private static bool IsOwn(string logId)
    {
        int colon = logId.IndexOf(':');
        return OwnIdLookup.ContainsKey(colon < 0 ? logId : logId.AsSpan(0, colon));
    }

    private static void Write(LogLine line) => Console.Error.WriteLine(line.Text);

    private static char Letter(OrtLoggingLevel severity) => severity switch
    {
        OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE => 'V',
        OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO => 'I',
        OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING => 'W',
        OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR => 'E',
        _ => 'F',
    };

    /// <summary>The lines logged on one thread while it creates one session; nested captures restore the outer one.</summary>
    internal sealed class Capture : IDisposable
    {
        private readonly Capture? _outer;
        private readonly Thread _thread = Thread.CurrentThread;
        private List<LogLine>? _lines;
        private bool _disposed;

        internal Capture(OrtLoggingLevel level)
        {
            Level = level;
            _outer = t_capture;
            t_capture = this;
        }

        public OrtLoggingLevel Level { get; }

        /// <summary>The lines collected so far.</summary>
        public IReadOnlyList<LogLine> Lines => _lines ?? (IReadOnlyList<LogLine>)Array.Empty<LogLine>();

        internal void Add(LogLine line) => (_lines ??= new List<LogLine>()).Add(line);

        internal LogLine[] Take()
        {
            var lines = _lines?.ToArray() ?? [];
            _lines = null;
            return lines;
        }

        /// <summary>Ends the capture; lines no exception took (a load that succeeded) are written to <see cref="Console.Error"/>.</summary>
        public void Dispose()
        {
            if (_disposed || _thread != Thread.CurrentThread)
                return;
            _disposed = true;
            t_capture = _outer;
            foreach (var line in Take())
                Write(line);
        }
    }
}
