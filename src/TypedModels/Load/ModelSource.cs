using System;
using System.IO;
using System.Reflection;
using TypedModels.Load;

namespace TypedModels;

/// <summary>
/// Where a generated client gets its model when it is not the one the build copied or compiled in: a file, bytes, a
/// stream, an embedded resource, or a <see cref="ModelSession"/> shared with other clients. A path and bytes convert
/// implicitly, so <c>new NumberModel("other.onnx")</c> and <c>new NumberModel(bytes)</c> read as they should. Whatever
/// the source, the model must have the signature the client was compiled against.
/// </summary>
public sealed class ModelSource
{
    private readonly Func<ModelDescriptor, TypedModelOptions?, ModelSession>? _load;
    private readonly ModelSession? _shared;
    private readonly string _description;

    private ModelSource(string description, Func<ModelDescriptor, TypedModelOptions?, ModelSession>? load, ModelSession? shared)
    {
        _description = description;
        _load = load;
        _shared = shared;
    }

    /// <summary>The model file at <paramref name="path"/>.</summary>
    public static ModelSource FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new($"the file '{path}'", (descriptor, options) => ModelSession.Load(descriptor, path, options), null);
    }

    /// <summary>The model file at <paramref name="relativePath"/> under the application's base directory, where the build copies models.</summary>
    public static ModelSource FromBaseDirectory(string relativePath) => FromFile(Path.Combine(AppContext.BaseDirectory, relativePath));

    /// <summary>A model's bytes; the session keeps no reference to the array.</summary>
    public static ModelSource FromBytes(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new($"{model.Length} bytes", (descriptor, options) => ModelSession.Load(descriptor, model, options), null);
    }

    /// <summary>A model read from <paramref name="stream"/> to its end, when the client is created.</summary>
    public static ModelSource FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new("a stream", (descriptor, options) => ModelSession.Load(descriptor, stream, options), null);
    }

    /// <summary>A model embedded in <paramref name="assembly"/> as the manifest resource <paramref name="resourceName"/>.</summary>
    public static ModelSource FromResource(Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        return new($"the resource '{resourceName}'", (descriptor, options) => ModelSession.LoadResource(descriptor, assembly, resourceName, options), null);
    }

    /// <summary>
    /// A session loaded once and shared by many clients (each with its own buffers); the caller keeps it and disposes it
    /// after them. It must have been loaded with the client's <c>Descriptor</c>.
    /// </summary>
    public static ModelSource FromSession(ModelSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new("a shared session", null, session);
    }

    /// <summary>The model file at <paramref name="path"/> (<see cref="FromFile"/>).</summary>
    public static implicit operator ModelSource(string path) => FromFile(path);

    /// <summary>A model's bytes (<see cref="FromBytes"/>).</summary>
    public static implicit operator ModelSource(byte[] model) => FromBytes(model);

    /// <summary>A session shared with other clients (<see cref="FromSession"/>).</summary>
    public static implicit operator ModelSource(ModelSession session) => FromSession(session);

    /// <summary>Loads the model for <paramref name="descriptor"/>; <paramref name="owned"/> says whether the caller now owns the session.</summary>
    /// <exception cref="ArgumentException">A shared session was loaded for another client, or options were given with one.</exception>
    internal ModelSession Open(ModelDescriptor descriptor, TypedModelOptions? options, out bool owned)
    {
        owned = _shared is null;
        if (_shared is not { } session)
            return _load!(descriptor, options);
        if (!ReferenceEquals(session.Descriptor, descriptor))
        {
            throw new ArgumentException(
                $"The session was not loaded for {descriptor.Name} but for {session.Descriptor.Name}: load it with {descriptor.Name}.Descriptor.", "source");
        }
        if (options is not null)
        {
            throw new ArgumentException(
                $"{descriptor.Name}: options apply when a model is loaded; a shared session keeps the options it was loaded with.", nameof(options));
        }
        return session;
    }

    /// <inheritdoc/>
    public override string ToString() => _description;
}
