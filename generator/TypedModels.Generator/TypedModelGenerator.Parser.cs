using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using TypedModels.Generator.Diagnostics;
using TypedModels.Generator.Helpers;
using TypedModels.Generator.Models;

namespace TypedModels.Generator;

public sealed partial class TypedModelGenerator
{
    /// <summary>Turns the compiler's view of items and attributes into <see cref="ClientSpec"/>s and diagnostics.</summary>
    internal static class Parser
    {
        private const string MetadataPrefix = "build_metadata.AdditionalFiles.TypedModels_";

        /// <summary>Reads an additional file the build step marked as a signature; null for any other file.</summary>
        public static ItemSpec? ReadItem(AdditionalText file, AnalyzerConfigOptions options, CancellationToken cancellationToken)
        {
            if (!options.TryGetValue(MetadataPrefix + "Kind", out var kind) || kind != "Signature")
                return null;

            string Raw(string name) => options.TryGetValue(MetadataPrefix + name, out var value) ? value : "";
            string Get(string name) => Uri.UnescapeDataString(Raw(name));
            int Number(string name) => int.TryParse(Get(name), out int value) ? value : 0;

            string outputs = Raw("Outputs");
            var location = Get("ItemFile") is { Length: > 0 } itemFile
                ? LocationInfo.InFile(itemFile, Number("ItemLine"), Number("ItemColumn"), Number("ItemLength"))
                : null;

            ModelSignature? signature = null;
            SignatureError? error;
            if (file.GetText(cancellationToken)?.ToString() is not { } text)
                error = new SignatureError(SignatureErrorKind.Unreadable, "its signature file has not been written yet; build the project");
            else
                SignatureText.TryRead(text, out signature, out error);

            return new ItemSpec(
                Get("ModelPath"),
                Get("TargetPath"),
                NullIfEmpty(Get("ClassName")),
                NullIfEmpty(Get("Namespace")),
                outputs.Length == 0 ? null : SplitNames(outputs).ToEquatableArray(),
                Get("Embed") == "true",
                Get("Backend"),
                Get("CompiledWeightLimit"),
                location,
                signature,
                error);
        }

        /// <summary>Reads the class a <c>[TypedModel]</c> attribute marks and the attribute's arguments.</summary>
        public static AttributeSpec ReadAttribute(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            var attribute = context.Attributes[0];
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

            string path = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
            var pathLocation = LocationInfo.From(syntax?.ArgumentList?.Arguments.FirstOrDefault()?.Expression) ?? LocationInfo.From(syntax);

            EquatableArray<OutputRequest>? outputs = null;
            int? backend = null;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Backend" && named.Value.Value is int value)
                    backend = value;
                if (named.Key != "Outputs" || named.Value.IsNull)
                    continue;
                var elements = OutputElements(syntax);
                outputs = named.Value.Values
                    .Select((value, i) => new OutputRequest(value.Value as string ?? "", LocationInfo.From(i < elements.Count ? elements[i] : (SyntaxNode?)syntax)))
                    .ToEquatableArray();
            }

            var containing = new List<ContainingType>();
            string? invalid = symbol.IsGenericType ? "a generic class cannot carry a model client"
                : symbol.IsStatic ? "a static class cannot hold a client's instance members"
                : symbol.IsRecord ? "a record cannot carry a model client; use a class" : null;
            invalid ??= IsPartial(declaration) ? null : "the class must be declared partial";
            for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
            {
                if (!IsPartial(parent) || parent.TypeParameterList is not null)
                    invalid ??= $"its containing type '{parent.Identifier.ValueText}' must be a non-generic partial type";
                containing.Insert(0, new ContainingType(Keyword(parent), parent.Identifier.ValueText));
            }

            var ns = symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString();
            var classSpec = new ClassSpec(ns, symbol.Name, containing.ToEquatableArray(), Declared: true);
            var diagnostic = invalid is null ? null
                : DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTargetClassError, LocationInfo.From(declaration.Identifier.GetLocation()), symbol.Name, invalid);
            return new AttributeSpec(classSpec, NormalizePath(path), pathLocation, outputs, backend, diagnostic);
        }

        /// <summary>
        /// The client an item generates on its own, named after the file unless its metadata says otherwise; none when a
        /// <c>[TypedModel]</c> class claims the item (<paramref name="claimedPaths"/>). File errors are reported here either way.
        /// </summary>
        public static Result<ClientSpec> ClientFromItem(ItemSpec item, EquatableArray<string> claimedPaths, string? rootNamespace)
        {
            if (item.Error is { } error)
                return new(null, EquatableArray.Create(FileError(item, error)));
            if (claimedPaths.Any(p => string.Equals(p, NormalizePath(item.ModelPath), StringComparison.OrdinalIgnoreCase)))
                return new(null, EquatableArray<DiagnosticInfo>.Empty);

            if (item.ClassName is { } className && !IsIdentifier(className))
                return new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNameMetadataError, item.Location, "ClassName", className, "class name")));
            if (item.Namespace is { } ns && !ns.Split('.').All(IsIdentifier))
                return new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNameMetadataError, item.Location, "Namespace", ns, "namespace")));

            string name = item.ClassName ?? Identifiers.Pascal(FileStem(item.ModelPath), "Onnx") + "Model";
            var classSpec = new ClassSpec(item.Namespace ?? NullIfEmpty(rootNamespace ?? ""), name, EquatableArray<ContainingType>.Empty, Declared: false);
            var requested = item.Outputs is { } names ? names.Select(n => new OutputRequest(n, item.Location)).ToEquatableArray() : (EquatableArray<OutputRequest>?)null;
            return Build(item, item.Signature!, classSpec, requested, null, item.Location);
        }

        /// <summary>The client a <c>[TypedModel]</c> class gets from the item its path names.</summary>
        public static Result<ClientSpec> ClientFromAttribute(AttributeSpec attribute, EquatableArray<ItemSpec> items)
        {
            if (attribute.Invalid is { } invalid)
                return new(null, EquatableArray.Create(invalid));
            var item = items.FirstOrDefault(i => string.Equals(NormalizePath(i.ModelPath), attribute.ModelPath, StringComparison.OrdinalIgnoreCase));
            if (item is null)
                return new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownModelItemError, attribute.PathLocation, attribute.ModelPath)));
            if (item.Signature is not { } signature)
                return new(null, EquatableArray<DiagnosticInfo>.Empty); // the item reports its own file error

            var requested = attribute.Outputs
                ?? (item.Outputs is { } names ? names.Select(n => new OutputRequest(n, item.Location)).ToEquatableArray() : null);
            return Build(item, signature, attribute.Class, requested, attribute.Backend, attribute.PathLocation);
        }

        private static Result<ClientSpec> Build(ItemSpec item, ModelSignature signature, ClassSpec classSpec,
            EquatableArray<OutputRequest>? requested, int? attributeBackend, LocationInfo? location)
        {
            var diagnostics = new List<DiagnosticInfo>();
            string model = item.ModelPath;
            var backend = ChooseBackend(item, signature, attributeBackend, location, diagnostics);

            foreach (var input in signature.Inputs)
            {
                if (Unsupported(input) is { } reason)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTensorError, location, "Input", input.Name, model, reason));
            }

            // ONNX requires an output; a graph without one (found by the fuzz test) has nothing a client could return.
            if (signature.Outputs.Count == 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelFileInvalidError, location, model, "its graph declares no output"));

            var outputs = new List<TensorSignature>();
            if (requested is { } names)
            {
                if (names.Count == 0)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoOutputSelectedError, location, model, string.Join(", ", signature.Outputs.Select(o => o.Name))));
                foreach (var request in names)
                {
                    var output = signature.Outputs.FirstOrDefault(o => o.Name == request.Name);
                    if (output is null)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownOutputError, request.Location, model, request.Name, string.Join(", ", signature.Outputs.Select(o => o.Name))));
                    else if (Unsupported(output) is { } reason)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTensorError, request.Location, "Output", output.Name, model, reason));
                    else if (!outputs.Contains(output))
                        outputs.Add(output);
                }
            }
            else
            {
                outputs.AddRange(signature.Outputs.Where(o => Unsupported(o) is null));
                // Leaving out every output would leave a client with nothing to return (and ONNX Runtime refuses a run
                // that fetches nothing): then each is an error, as if it had been asked for.
                var descriptor = outputs.Count > 0 ? DiagnosticDescriptors.UnsupportedOutputSkippedWarning : DiagnosticDescriptors.UnsupportedTensorError;
                foreach (var output in signature.Outputs)
                {
                    if (Unsupported(output) is not { } reason)
                        continue;
                    diagnostics.Add(outputs.Count > 0
                        ? DiagnosticInfo.Create(descriptor, location, output.Name, model, reason)
                        : DiagnosticInfo.Create(descriptor, location, "Output", output.Name, model, reason));
                }
            }

            if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
                return new(null, diagnostics.ToEquatableArray());

            // Symbols in order of first appearance; an unnamed unknown dim gets a symbol of its own.
            var symbols = new List<string>();
            EquatableArray<long> Dims(TensorSignature tensor)
            {
                // A sequence's tensors carry their own shapes, given or read on each call: no dim of theirs is a symbol.
                if (tensor.Kind == ValueKind.Sequence)
                    return EquatableArray<long>.Empty;
                var dims = new List<long>();
                for (int i = 0; i < tensor.Shape!.Value.Count; i++)
                {
                    var dim = tensor.Shape.Value[i];
                    if (dim.IsFixed)
                    {
                        dims.Add(dim.Value);
                        continue;
                    }
                    string symbol = dim.Symbol ?? $"{tensor.Name}.dim{i}";
                    int index = symbols.IndexOf(symbol);
                    if (index < 0)
                    {
                        index = symbols.Count;
                        symbols.Add(symbol);
                    }
                    dims.Add(-1 - index);
                }
                return dims.ToEquatableArray();
            }

            // Members of the class, of Result, and Predict's parameters each get names unique within their scope;
            // names the generated code itself uses are taken first, so a tensor never shadows them.
            var members = new HashSet<string>(StringComparer.Ordinal)
                { classSpec.Name, "ModelPath", "Descriptor", "Predict", "PredictCompiled", "Dispose", "ExecutionProvider", "Backend", "Result", "_runner", "_compiled" };
            members.UnionWith(ObjectMembers);
            var properties = new HashSet<string>(StringComparer.Ordinal) { "Result", "Deconstruct" };
            properties.UnionWith(ObjectMembers);
            var parameters = new HashSet<string>(StringComparer.Ordinal);

            var inputSpecs = signature.Inputs
                .Select(i => new TensorSpec(i.Name, Identifiers.Unique(Identifiers.Camel(i.Name, "input"), parameters), ElementType(i.ElementType)!, Dims(i), ShapeText(i), i.DocString, i.Kind == ValueKind.Sequence))
                .ToEquatableArray();
            var outputSpecs = outputs
                .Select(o => new TensorSpec(o.Name, Identifiers.Unique(Identifiers.Pascal(o.Name, "Output"), properties), ElementType(o.ElementType)!, Dims(o), ShapeText(o), o.DocString, o.Kind == ValueKind.Sequence))
                .ToEquatableArray();

            var inferable = Inferable(inputSpecs, symbols.Count);
            var symbolSpecs = symbols
                .Select((s, i) => new SymbolSpec(s, inferable[i] || !inputSpecs.Any(t => t.Dims.Contains(-1 - i)) ? null : Identifiers.Unique(Identifiers.Camel(s, "dim"), parameters)))
                .ToEquatableArray();

            var constants = new List<DimConstant>();
            foreach (var tensor in inputSpecs.Concat(outputSpecs))
            {
                for (int d = 0; d < tensor.Dims.Count; d++)
                {
                    if (tensor.Dims[d] >= 0)
                    {
                        string name = Identifiers.Unique(Identifiers.Pascal(tensor.Name, "Tensor") + "Dim" + d.ToString(System.Globalization.CultureInfo.InvariantCulture), members);
                        constants.Add(new DimConstant(name, tensor.Dims[d], d, tensor.Name, tensor.ElementType.OnnxName + " " + tensor.ShapeText));
                    }
                }
            }

            var docs = new ModelDocs(
                signature.DocString,
                (signature.ProducerName + " " + signature.ProducerVersion).Trim(),
                signature.IrVersion,
                string.Join(", ", signature.Opsets.Select(o => (o.Domain.Length == 0 ? "ai.onnx" : o.Domain) + " " + o.Version)),
                signature.GraphName,
                signature.GraphDocString);
            var client = new ClientSpec(classSpec, item.ModelPath, item.TargetPath, item.Embed, docs, symbolSpecs, inputSpecs, outputSpecs, constants.ToEquatableArray());
            if (backend == Backend.OnnxRuntime)
                return new(client, diagnostics.ToEquatableArray(), location);

            // Compiled or Auto: the graph decides. Every reason is an error when compiling was asked for, one
            // information when Auto falls back to ONNX Runtime.
            var (plan, reasons) = Planner.Plan(signature, symbolSpecs, inputSpecs, outputSpecs);
            if (plan is not null && backend == Backend.Auto && plan.MultiplyAddsPerRow > AutoMultiplyAddsPerRow)
            {
                reasons.Add($"its matrix products take {plan.MultiplyAddsPerRow.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} multiply-adds per row, more than the {AutoMultiplyAddsPerRow} up to which " +
                    "the compiled client stays faster than ONNX Runtime at batch 1,024 (README, \"Compiled backend\"); Backend=\"Compiled\" compiles it anyway, for small batches");
                plan = null;
            }
            if (plan is not null)
                return new(client with { Plan = plan }, diagnostics.ToEquatableArray(), location);
            if (backend == Backend.Compiled)
            {
                diagnostics.AddRange(reasons.Select(r => DiagnosticInfo.Create(DiagnosticDescriptors.NotCompilableError, location, model, r)));
                return new(null, diagnostics.ToEquatableArray());
            }
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CompiledFallbackInfo, location, model, string.Join("; ", reasons)));
            return new(client, diagnostics.ToEquatableArray(), location);
        }

        /// <summary>The generated files (named after their classes) that more than one client would write, with the models behind each.</summary>
        public static EquatableArray<DuplicateClass> DuplicateClasses(IEnumerable<Result<ClientSpec>> results) => results
            .Where(r => r.Value is not null)
            .GroupBy(r => r.Value!.Class.HintName, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => new DuplicateClass(g.Key, g.Select(r => r.Value!.ModelPath).ToEquatableArray()))
            .ToEquatableArray();

        /// <summary>A client whose class another client also generates becomes TM0009 instead (two equal file names would crash the generator).</summary>
        public static Result<ClientSpec> RefuseDuplicate(Result<ClientSpec> result, EquatableArray<DuplicateClass> duplicates)
        {
            if (result.Value is not { } client || duplicates.FirstOrDefault(d => string.Equals(d.HintName, client.Class.HintName, StringComparison.OrdinalIgnoreCase)) is not { } duplicate)
                return result;
            string name = client.Class.HintName.Substring(0, client.Class.HintName.Length - ".g.cs".Length);
            var diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateClassError, result.Location, name,
                string.Join(", ", duplicate.ModelPaths.Select(p => "'" + p + "'")));
            return new(null, result.Diagnostics.Concat([diagnostic]).ToEquatableArray(), result.Location);
        }

        /// <summary>
        /// The most multiply-adds per row of a batch that <c>Auto</c> compiles. Measured (benchmarks/RESULTS.md): the seed,
        /// 12 per row, is faster compiled at every batch up to 16,384; models of 256, 2,048 and 21,504 per row lose to
        /// ONNX Runtime's blocked, multi-threaded kernels once a call holds some 30,000 to 65,000 multiply-adds (batch 256,
        /// 64 and 16). At batch 1,024 that is 30 to 64 per row: <c>Auto</c> takes the lower end.
        /// </summary>
        internal const long AutoMultiplyAddsPerRow = 32;

        /// <summary>The values of <c>ModelBackend</c>, which the generator cannot reference.</summary>
        private enum Backend
        {
            OnnxRuntime,
            Compiled,
            Auto,
        }

        /// <summary>The backend the attribute or, failing that, the item asks for; TM0013 for a setting that cannot be honoured.</summary>
        private static Backend ChooseBackend(ItemSpec item, ModelSignature signature, int? attributeBackend, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var itemBackend = item.Backend.Trim() switch
            {
                "" => Backend.OnnxRuntime,
                var text when Enum.TryParse<Backend>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _) => parsed,
                var text => Invalid("Backend", text, "it must be OnnxRuntime, Compiled or Auto"),
            };
            if (item.WeightLimit.Trim() is { Length: > 0 } limit && !long.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                Invalid("CompiledWeightLimit", limit, "it must be a number of bytes");
            if (attributeBackend is not { } value)
                return itemBackend;
            if (value is < 0 or > 2)
                return Invalid("Backend", value.ToString(System.Globalization.CultureInfo.InvariantCulture), "it must be ModelBackend.OnnxRuntime, Compiled or Auto");
            var chosen = (Backend)value;
            // The build step reads a graph only for items that ask: an attribute cannot make it read one.
            if (chosen != Backend.OnnxRuntime && signature.Graph is null)
            {
                return Invalid("Backend", "ModelBackend." + chosen,
                    $"the build step reads the graph only for items that ask for it; add Backend=\"{chosen}\" (or \"Auto\") to <TypedModel Include=\"{item.ModelPath}\" />");
            }
            return chosen;

            Backend Invalid(string setting, string text, string reason)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBackendSettingError, location, setting, text, item.ModelPath, reason));
                return Backend.OnnxRuntime;
            }
        }

        /// <summary>Which symbols the runtime can infer from the inputs' lengths (the same passes as its <c>Bind</c>).</summary>
        private static bool[] Inferable(EquatableArray<TensorSpec> inputs, int symbolCount)
        {
            var known = new bool[symbolCount];
            for (bool progressed = true; progressed;)
            {
                progressed = false;
                foreach (var input in inputs)
                {
                    // A fixed dim of 0 makes the input empty whatever its symbol is: its length says nothing.
                    var unknown = input.Dims.Where(d => d < 0 && !known[-1 - (int)d]).ToList();
                    if (unknown.Count == 1 && !input.Dims.Contains(0))
                    {
                        known[-1 - (int)unknown[0]] = true;
                        progressed = true;
                    }
                }
            }
            return known;
        }

        private static readonly string[] ObjectMembers = ["Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals"];

        private static string? Unsupported(TensorSignature tensor)
        {
            if (tensor.Kind == ValueKind.Sequence && tensor.ElementType.Length > 0)
            {
                // Each tensor of a sequence has its own shape, so its declared rank may be unknown.
                return ElementType(tensor.ElementType) is null || tensor.ElementType == "string" ? "a sequence of tensors of " + tensor.ElementType : null;
            }
            if (!tensor.IsTensor)
                return "a " + tensor.TypeText + " value, not a tensor";
            if (ElementType(tensor.ElementType) is null)
                return "a tensor of " + tensor.ElementType;
            if (tensor.Shape is null)
                return "a tensor of unknown rank";
            return null;
        }

        /// <summary>The C# and ONNX Runtime names of an ONNX element type; null when the client cannot carry it.</summary>
        public static ElementTypeSpec? ElementType(string onnxName) => onnxName switch
        {
            "float" => new(onnxName, "float", "Float"),
            "double" => new(onnxName, "double", "Double"),
            "float16" => new(onnxName, "global::System.Half", "Float16"),
            "bfloat16" => new(onnxName, "global::Microsoft.ML.OnnxRuntime.BFloat16", "BFloat16"),
            "int8" => new(onnxName, "sbyte", "Int8"),
            "int16" => new(onnxName, "short", "Int16"),
            "int32" => new(onnxName, "int", "Int32"),
            "int64" => new(onnxName, "long", "Int64"),
            "uint8" => new(onnxName, "byte", "UInt8"),
            "uint16" => new(onnxName, "ushort", "UInt16"),
            "uint32" => new(onnxName, "uint", "UInt32"),
            "uint64" => new(onnxName, "ulong", "UInt64"),
            "bool" => new(onnxName, "bool", "Bool"),
            "string" => new(onnxName, "string", "String"),
            _ => null,
        };

        private static DiagnosticInfo FileError(ItemSpec item, SignatureError error) => error.Kind == SignatureErrorKind.Missing
            ? DiagnosticInfo.Create(DiagnosticDescriptors.ModelFileNotFoundError, item.Location, item.ModelPath)
            : DiagnosticInfo.Create(DiagnosticDescriptors.ModelFileInvalidError, item.Location, item.ModelPath, error.Message);

        private static string ShapeText(TensorSignature tensor) =>
            tensor.Shape is { } shape ? "[" + string.Join(", ", shape.Select(d => d.ToString())) + "]" : "[*]";

        private static IEnumerable<string> SplitNames(string list) =>
            list.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Select(n => Uri.UnescapeDataString(n.Trim())).Where(n => n.Length > 0);

        private static List<ExpressionSyntax> OutputElements(AttributeSyntax? syntax)
        {
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Outputs");
            return argument?.Expression switch
            {
                ArrayCreationExpressionSyntax array => array.Initializer?.Expressions.ToList() ?? new(),
                ImplicitArrayCreationExpressionSyntax array => array.Initializer.Expressions.ToList(),
                CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression).ToList(),
                _ => new(),
            };
        }

        private static bool IsIdentifier(string name) =>
            SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

        private static bool IsPartial(TypeDeclarationSyntax type) => type.Modifiers.Any(SyntaxKind.PartialKeyword);

        private static string Keyword(TypeDeclarationSyntax type) => type switch
        {
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            _ => type.Keyword.ValueText,
        };

        private static string FileStem(string path)
        {
            int slash = path.LastIndexOfAny(new[] { '/', '\\' });
            string file = path.Substring(slash + 1);
            int dot = file.LastIndexOf('.');
            return dot > 0 ? file.Substring(0, dot) : file;
        }

        private static string NormalizePath(string path)
        {
            path = path.Replace('\\', '/');
            return path.StartsWith("./", StringComparison.Ordinal) ? path.Substring(2) : path;
        }

        private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
    }
}
