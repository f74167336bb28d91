using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TypedModels.Testing;

namespace TypedModels.Conformance;

/// <summary>What the compiler made of one test's model: the generator's diagnostics, any compiler problem in the
/// generated code, and, when it compiled, the harness that calls its client.</summary>
internal sealed record ClientBuild(IReadOnlyList<Diagnostic> GeneratorDiagnostics, IReadOnlyList<Diagnostic> CompilerProblems, Harness? Harness)
{
    public IEnumerable<string> DiagnosticIds => GeneratorDiagnostics.Where(d => d.Severity > DiagnosticSeverity.Info).Select(d => d.Id).Distinct();
}

/// <summary>Opens a generated client on a model file and calls its <c>Predict</c>, as user code would.</summary>
/// <paramref name="Open"/> loads a model file (ONNX Runtime); <paramref name="OpenDefault"/> calls the constructor that takes options alone,
/// which for a compiled client runs the model compiled into it.
internal sealed record Harness(string ClassName, Func<string, TypedModelOptions, IDisposable> Open, Func<TypedModelOptions, IDisposable> OpenDefault,
    Func<IDisposable, object[], long[], object[]> Run, ModelDescriptor Descriptor);

/// <summary>
/// Runs the generator over every test's signature at once, as one project with one <c>&lt;TypedModel&gt;</c> item per
/// model, compiles what it emits in one compilation, and adds a harness written from the compiled clients' symbols:
/// for each client a method that unpacks test values into exactly the parameters its <c>Predict</c> declares.
/// </summary>
internal static class GeneratedClients
{
    /// <summary>
    /// The clients of every test; with <paramref name="compiled"/>, as <c>Backend="Compiled"</c> items whose signature
    /// files carry the graph (a client only where the whole graph compiles; TM0011 elsewhere).
    /// </summary>
    public static IReadOnlyList<ClientBuild> Build(IReadOnlyList<BackendTest> tests, bool compiled = false)
    {
        string ns = compiled ? "Conformance.Compiled" : "Conformance";
        // Each item sits on its own line of the project file, so a diagnostic's line says which test it is about.
        var names = ClassNames(tests);
        var items = tests.Select((t, i) => GeneratorHost.Item(compiled ? t.GraphSignatureText : t.SignatureText, t.Name + "/model.onnx",
            className: names[i], ns: ns, line: i, backend: compiled ? "Compiled" : "")).ToArray();
        var empty = CSharpCompilation.Create(ns + ".Clients", [], GeneratorHost.References, CompilationOptions);
        var run = GeneratorHost.Driver(items).RunGeneratorsAndUpdateCompilation(empty, out var generated, out _).GetRunResult();
        if (run.Results.Single().Exception is { } crash)
            throw new InvalidOperationException("The generator threw (CS8785): " + crash);

        var diagnostics = ByTest(tests.Count, run.Diagnostics, d => d.Location.GetLineSpan().StartLinePosition.Line, "a generator diagnostic without an item's location");
        var testOfTree = run.GeneratedTrees.ToDictionary(tree => tree, tree => Array.IndexOf(names, Path.GetFileName(tree.FilePath)[(ns.Length + 1)..^".g.cs".Length]));

        // The generated code alone first: its problems are the product's, and a client with any is not run.
        var problems = ByTest(tests.Count, generated.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning),
            d => d.Location.SourceTree is { } tree && testOfTree.TryGetValue(tree, out int i) ? i : -1, "a compiler problem outside any generated client");

        var clean = testOfTree.Where(kv => problems[kv.Value].Count == 0).OrderBy(kv => kv.Value).ToList();
        var assembly = EmitWithHarness(generated.RemoveAllSyntaxTrees().AddSyntaxTrees(clean.Select(kv => kv.Key)), ns, clean.Select(kv => (names[kv.Value], tests[kv.Value])));
        var harnessOf = clean.ToDictionary(kv => kv.Value, kv => Load(assembly, ns, names[kv.Value]));
        return tests.Select((_, i) => new ClientBuild(diagnostics[i], problems[i], harnessOf.GetValueOrDefault(i))).ToList();
    }

    private static List<Diagnostic>[] ByTest(int count, IEnumerable<Diagnostic> diagnostics, Func<Diagnostic, int> testOf, string stray)
    {
        var byTest = Enumerable.Range(0, count).Select(_ => new List<Diagnostic>()).ToArray();
        foreach (var diagnostic in diagnostics)
        {
            int i = testOf(diagnostic);
            if (i < 0 || i >= count)
                throw new InvalidOperationException($"{stray}: {diagnostic}");
            byTest[i].Add(diagnostic);
        }
        return byTest;
    }

    private static Assembly EmitWithHarness(Compilation clients, string ns, IEnumerable<(string Name, BackendTest Test)> compiled)
    {
        var harness = new StringBuilder(HarnessPrelude);
        foreach (var (name, test) in compiled)
            WriteHarness(harness, clients, ns, name, test.Signature!.Inputs.Count);
        var compilation = clients.AddSyntaxTrees(CSharpSyntaxTree.ParseText(harness.ToString(), ParseOptions, path: "Harness.cs"));

        using var assembly = new MemoryStream();
        var emitted = compilation.Emit(assembly);
        if (!emitted.Success)
            throw new InvalidOperationException("The harness did not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        return System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(assembly.ToArray()));
    }

    private static Harness Load(Assembly assembly, string ns, string name)
    {
        var type = assembly.GetType($"Conformance.Harness.{name}Harness", throwOnError: true)!;
        var open = type.GetMethod("Open")!.CreateDelegate<Func<string, TypedModelOptions, IDisposable>>();
        var openDefault = type.GetMethod("OpenDefault")!.CreateDelegate<Func<TypedModelOptions, IDisposable>>();
        var run = type.GetMethod("Run")!.CreateDelegate<Func<IDisposable, object[], long[], object[]>>();
        var descriptor = (ModelDescriptor)assembly.GetType($"{ns}.{name}", throwOnError: true)!.GetProperty("Descriptor")!.GetValue(null)!;
        return new Harness(name, open, openDefault, run, descriptor);
    }

    /// <summary>
    /// <code>
    /// public static object[] Run(IDisposable client, object[] inputs, long[] given)
    /// {
    ///     var r = ((global::Conformance.TestAdd)client).Predict(H.Span&lt;float&gt;(inputs[0]), H.Span&lt;float&gt;(inputs[1]));
    ///     return new object[] { H.Out(r.Sum) };
    /// }
    /// </code>
    /// </summary>
    private static void WriteHarness(StringBuilder text, Compilation compilation, string ns, string name, int inputCount)
    {
        var type = compilation.GetTypeByMetadataName($"{ns}.{name}")
            ?? throw new InvalidOperationException($"The generated class {name} is missing.");
        var predict = type.GetMembers("Predict").OfType<IMethodSymbol>().Single();
        var arguments = predict.Parameters.Select((p, k) => k >= inputCount ? $"given[{k - inputCount}]" : Unpack(p.Type, k));
        var result = (INamedTypeSymbol)predict.ReturnType;
        var outputs = result.GetMembers().OfType<IPropertySymbol>()
.Select(p => p.Type.Name == "TensorSequence" ? $"H.OutSequence(r.{Escape(p.Name)})"
                : ((INamedTypeSymbol)p.Type).TypeArguments[0].SpecialType == SpecialType.System_String ? $"H.OutStrings(r.{Escape(p.Name)})" : $"H.Out(r.{Escape(p.Name)})");
        string full = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        text.Append($$"""
            public static class {{name}}Harness
            {
                public static global::System.IDisposable Open(string path, global::TypedModels.TypedModelOptions options) => new {{full}}(path, options);

                public static global::System.IDisposable OpenDefault(global::TypedModels.TypedModelOptions options) => new {{full}}(options);

                public static object[] Run(global::System.IDisposable client, object[] inputs, long[] given)
                {
                    var r = (({{full}})client).Predict({{string.Join(", ", arguments)}});
                    return new object[] { {{string.Join(", ", outputs)}} };
                }
            }

            """);
    }

    private static string Unpack(ITypeSymbol parameter, int index)
    {
        if (parameter is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments: [INamedTypeSymbol { Name: "TensorInput", TypeArguments: [var tensorElement] }] })
            return $"H.Sequence<{Full(tensorElement)}>(inputs[{index}])";
        if (parameter is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments: [var element] })
            return element.SpecialType == SpecialType.System_String ? $"H.Strings(inputs[{index}])" : $"H.Span<{Full(element)}>(inputs[{index}])";
        return parameter.SpecialType == SpecialType.System_String ? $"H.String(inputs[{index}])" : $"H.Scalar<{Full(parameter)}>(inputs[{index}])";
    }

    private static string Full(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string Escape(string identifier) => SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    // Test values arrive as element bytes (or strings) and leave the same way, so one comparison serves every type.
    private const string HarnessPrelude = """
        // <auto-generated/> by the conformance run
        #nullable enable
        namespace Conformance.Harness;

        using global::System.Runtime.InteropServices;

        internal static class H
        {
            public static global::System.ReadOnlySpan<T> Span<T>(object value) where T : unmanaged => MemoryMarshal.Cast<byte, T>((byte[])value);
            public static T Scalar<T>(object value) where T : unmanaged => MemoryMarshal.Read<T>((byte[])value);
            public static global::System.ReadOnlySpan<string> Strings(object value) => (string[])value;
            public static string String(object value) => ((string[])value)[0];
            public static object Out<T>(global::TypedModels.TensorView<T> view) where T : unmanaged => new object[] { MemoryMarshal.AsBytes(view.Span).ToArray(), view.Shape.ToArray() };
            public static object OutStrings(global::TypedModels.TensorView<string> view) => new object[] { view.Span.ToArray(), view.Shape.ToArray() };

            public static global::System.ReadOnlySpan<global::TypedModels.TensorInput<T>> Sequence<T>(object value) where T : unmanaged
            {
                var parts = (object[])value;
                var (bytes, shapes) = ((byte[][])parts[0], (long[][])parts[1]);
                var tensors = new global::TypedModels.TensorInput<T>[bytes.Length];
                for (int i = 0; i < tensors.Length; i++)
                    tensors[i] = new global::TypedModels.TensorInput<T>(MemoryMarshal.Cast<byte, T>(bytes[i]).ToArray(), shapes[i]);
                return tensors;
            }

            public static object OutSequence<T>(global::TypedModels.TensorSequence<T> sequence) where T : unmanaged
            {
                var bytes = new byte[sequence.Count][];
                var shapes = new long[sequence.Count][];
                for (int i = 0; i < bytes.Length; i++)
                    (bytes[i], shapes[i]) = (MemoryMarshal.AsBytes(sequence[i].Span).ToArray(), sequence[i].Shape.ToArray());
                return new object[] { bytes, shapes };
            }
        }

        """;

    /// <summary>Class names from test names (<c>node/test_abs</c> → <c>NodeTestAbs</c>), made unique.</summary>
    private static string[] ClassNames(IReadOnlyList<BackendTest> tests)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        return tests.Select(t =>
        {
            string name = string.Concat(t.Name.Split('/', '_', '-', '.').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
            string unique = name;
            for (int n = 2; !taken.Add(unique); n++)
                unique = name + n;
            return unique;
        }).ToArray();
    }

    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    // As strict as a project can be: every warning, nullable on.
    private static readonly CSharpCompilationOptions CompilationOptions = new(OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999, allowUnsafe: false);
}
