using System;
using System.Collections.Generic;
using TypedModels.Load;

namespace TypedModels.Run;

/// <summary>
/// A thread-safe pool of clients for servers: every client runs on the pool's one <see cref="ModelSession"/> (the
/// model is loaded once; sessions are thread-safe for runs), each with its own pre-bound buffers. Rent a client for
/// a call, or a sequence of calls on one thread, and dispose the lease to give it back:
/// <code>using var lease = pool.Rent(); var result = lease.Model.Predict(input);</code>
/// Renting and returning take a short lock and allocate nothing once the pool has as many clients as threads use it.
/// </summary>
public sealed class ModelPool<TModel> : IDisposable where TModel : class, IDisposable
{
    private readonly ModelSession? _session;
    private readonly bool _ownsSession;
    private readonly Func<TModel> _create;
    private readonly object _gate = new();
    private readonly List<TModel> _all = new();
    private TModel[] _free = new TModel[Math.Max(4, Environment.ProcessorCount)];
    private int _freeCount;
    private bool _disposed;

    /// <summary>Creates clients with <paramref name="create"/> on <paramref name="session"/>, which the pool takes ownership of.</summary>
    public ModelPool(ModelSession session, Func<ModelSession, TModel> create)
    {
        _session = session;
        _ownsSession = true;
        _create = () => create(session);
        ExecutionProvider = session.ExecutionProvider;
    }

    /// <summary>
    /// Opens <paramref name="source"/> once for the client <paramref name="descriptor"/> describes and creates clients on
    /// that session with <paramref name="create"/>; the pool disposes the session it loaded, not one shared with it.
    /// </summary>
    public ModelPool(ModelDescriptor descriptor, ModelSource source, TypedModelOptions? options, Func<ModelSession, TModel> create)
    {
        ArgumentNullException.ThrowIfNull(source);
        var session = source.Open(descriptor, options, out _ownsSession);
        _session = session;
        _create = () => create(session);
        ExecutionProvider = session.ExecutionProvider;
    }

    /// <summary>
    /// Creates clients with <paramref name="create"/>, each self-contained: for clients compiled to C#
    /// (<see cref="ModelBackend.Compiled"/>), which share their weights as static data and need no session.
    /// </summary>
    public ModelPool(Func<TModel> create, ExecutionProviderInfo executionProvider)
    {
        _create = create;
        ExecutionProvider = executionProvider;
    }

    /// <summary>The execution provider the clients run on, and why.</summary>
    public ExecutionProviderInfo ExecutionProvider { get; }

    /// <summary>How many clients the pool has created.</summary>
    public int Created
    {
        get
        {
            lock (_gate)
                return _all.Count;
        }
    }

    /// <summary>A client for this thread's exclusive use until the lease is disposed.</summary>
    public Lease Rent()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freeCount > 0)
            {
                var model = _free[--_freeCount];
                _free[_freeCount] = null!;
                return new Lease(this, model);
            }
        }
        var created = _create();
        lock (_gate)
        {
            if (_disposed)
            {
                created.Dispose();
                throw new ObjectDisposedException(GetType().FullName);
            }
            _all.Add(created);
            // Room for every client to come back, made now: returning must never allocate.
            if (_free.Length < _all.Count)
                Array.Resize(ref _free, Math.Max(_all.Count, _free.Length * 2));
        }
        return new Lease(this, created);
    }

    private void Return(TModel model)
    {
        lock (_gate)
        {
            if (!_disposed)
                _free[_freeCount++] = model;
        }
    }

    /// <summary>Disposes every client the pool created, then the shared session if there is one. Leases still out must not be used.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        foreach (var model in _all)
            model.Dispose();
        if (_ownsSession)
            _session?.Dispose();
    }

    /// <summary>A rented client; disposing the lease returns it to the pool.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly ModelPool<TModel> _pool;

        internal Lease(ModelPool<TModel> pool, TModel model)
        {
            _pool = pool;
            Model = model;
        }

        /// <summary>The client, for this thread only while the lease is held.</summary>
        public TModel Model { get; }

        /// <summary>Returns the client to the pool.</summary>
        public void Dispose() => _pool?.Return(Model);
    }
}
