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
                SplitNames(Raw("Names")).ToEquatableArray(),
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

            EquatableArray<OutputRequest>? outputs = null, names = null;
            int? backend = null;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "Backend" && named.Value.Value is int value)
                    backend = value;
                if (named.Key is not ("Outputs" or "Names") || named.Value.IsNull)
                    continue;
                var elements = ArrayElements(syntax, named.Key);
                var requests = named.Value.Values
                    .Select((value, i) => new OutputRequest(value.Value as string ?? "", LocationInfo.From(i < elements.Count ? elements[i] : (SyntaxNode?)syntax)))
                    .ToEquatableArray();
                if (named.Key == "Outputs")
                    outputs = requests;
                else
                    names = requests;
            }

            var containing = new List<ContainingType>();
            for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
                containing.Insert(0, new ContainingType(Keyword(parent), parent.Identifier.ValueText));

            var ns = symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString();
            var classSpec = new ClassSpec(ns, symbol.Name, containing.ToEquatableArray(), Declared: true);
            return new AttributeSpec(classSpec, NormalizePath(path), pathLocation, outputs, names, backend, InvalidTarget(symbol, declaration));
        }

        /// <summary>Why a class marked <c>[TypedModel]</c> cannot carry a client; null when it can. The analyzer reports it (TM0007).</summary>
        internal static string? InvalidTarget(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration)
        {
            string? invalid = symbol.IsGenericType ? "a generic class cannot carry a model client"
                : symbol.IsStatic ? "a static class cannot hold a client's instance members"
                : symbol.IsRecord ? "a record cannot carry a model client; use a class" : null;
            invalid ??= IsPartial(declaration) ? null : "the class must be declared partial";
            for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
            {
                if (!IsPartial(parent) || parent.TypeParameterList is not null)
                    invalid ??= $"its containing type '{parent.Identifier.ValueText}' must be a non-generic partial type";
            }
            return invalid;
        }

        /// <summary>
        /// The client an item generates, named after the file unless its metadata says otherwise. A <c>[TypedModel]</c>
        /// class on the same model leaves it in place, unless that class has the same full name (<paramref name="declaredClasses"/>,
        /// by hint name): then the declared class is the item's. File errors are reported here either way.
        /// </summary>
        public static Result<ClientSpec> ClientFromItem(ItemSpec item, EquatableArray<string> declaredClasses, string? rootNamespace, CancellationToken cancellationToken = default)
        {
            if (item.Error is { } error)
                return new(null, EquatableArray.Create(FileError(item, error)));

            if (item.ClassName is { } className && !IsIdentifier(className))
                return new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNameMetadataError, item.Location, "ClassName", className, "class name")));
            if (item.Namespace is { } ns && !ns.Split('.').All(IsIdentifier))
                return new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNameMetadataError, item.Location, "Namespace", ns, "namespace")));

            string name = item.ClassName ?? Identifiers.Pascal(FileStem(item.ModelPath), "Onnx") + "Model";
            var classSpec = new ClassSpec(item.Namespace ?? NullIfEmpty(rootNamespace ?? ""), name, EquatableArray<ContainingType>.Empty, Declared: false);
            if (declaredClasses.Any(c => string.Equals(c, classSpec.HintName, StringComparison.OrdinalIgnoreCase)))
                return new(null, EquatableArray<DiagnosticInfo>.Empty);
            return Build(item, item.Signature!, classSpec, ItemRequests(item.Outputs, item), null, ItemRequests(item.Names, item) ?? default, item.Location, cancellationToken);
        }

        /// <summary>The client a <c>[TypedModel]</c> class gets from the item its path names.</summary>
        public static Result<ClientSpec> ClientFromAttribute(AttributeSpec attribute, EquatableArray<ItemSpec> items, CancellationToken cancellationToken = default)
        {
            if (attribute.Invalid is not null)
                return new(null, EquatableArray<DiagnosticInfo>.Empty); // the analyzer reports TM0007
            var item = items.FirstOrDefault(i => string.Equals(NormalizePath(i.ModelPath), attribute.ModelPath, StringComparison.OrdinalIgnoreCase));
            if (item is null)
                return new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownModelItemError, attribute.PathLocation, attribute.ModelPath)));
            if (item.Signature is not { } signature)
                return new(null, EquatableArray<DiagnosticInfo>.Empty); // the item reports its own file error

            return Build(item, signature, attribute.Class, attribute.Outputs ?? ItemRequests(item.Outputs, item), attribute.Backend,
                attribute.Names ?? ItemRequests(item.Names, item) ?? default, attribute.PathLocation, cancellationToken);
        }

        // An item's names, located at the item's line (metadata has no finer location).
        private static EquatableArray<OutputRequest>? ItemRequests(EquatableArray<string>? names, ItemSpec item) =>
            names?.Select(n => new OutputRequest(n, item.Location)).ToEquatableArray();

        private static Result<ClientSpec> Build(ItemSpec item, ModelSignature signature, ClassSpec classSpec,
            EquatableArray<OutputRequest>? requested, int? attributeBackend, EquatableArray<OutputRequest> names, LocationInfo? location,
            CancellationToken cancellationToken)
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
            if (requested is { } selected)
            {
                if (selected.Count == 0)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoOutputSelectedError, location, model, Quoted(signature.Outputs)));
                foreach (var request in selected)
                {
                    var output = signature.Outputs.FirstOrDefault(o => o.Name == request.Name);
                    if (output is null)
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownOutputError, request.Location, model, request.Name, Quoted(signature.Outputs)));
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

            var chosen = ChosenNames(names, signature, model, diagnostics);
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
            // names the generated code itself uses are taken first, so a tensor never shadows them. A tensor's name is
            // its Names entry or its ONNX name made an identifier; one that collides with another's is told (TM0015).
            var members = new HashSet<string>(StringComparer.Ordinal)
                { classSpec.Name, "ModelPath", "ResourceName", "Descriptor", "Predict", "PredictCompiled", "PredictOnnxRuntime", "DefaultSource",
                  "Dispose", "ExecutionProvider", "Backend", "CreatePool", "Result", "_runner", "_compiled" };
            members.UnionWith(ObjectMembers);
            var properties = new HashSet<string>(StringComparer.Ordinal) { "Result", "Deconstruct" };
            properties.UnionWith(ObjectMembers);
            var parameters = new HashSet<string>(StringComparer.Ordinal);
            var owners = new Dictionary<string, string>(StringComparer.Ordinal);

            string Name(TensorSignature tensor, bool input, HashSet<string> scope)
            {
                string wanted = chosen.TryGetValue(tensor.Name, out var given)
                    ? (input ? Identifiers.Escape(char.ToLowerInvariant(given[0]) + given.Substring(1)) : char.ToUpperInvariant(given[0]) + given.Substring(1))
                    : input ? Identifiers.Camel(tensor.Name, "input") : Identifiers.Pascal(tensor.Name, "Output");
                string unique = Identifiers.Unique(wanted, scope);
                string key = (input ? "p:" : "m:") + wanted.TrimStart('@');
                if (unique != wanted)
                {
                    string other = owners.TryGetValue(key, out var owner) ? $"'{owner}' already has it" : "the generated client uses it itself";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollisionInfo, location,
                        tensor.Name, model, wanted.TrimStart('@'), other, unique.TrimStart('@')));
                }
                owners[key] = tensor.Name;
                return unique;
            }

            var inputSpecs = signature.Inputs
                .Select(i => new TensorSpec(i.Name, Name(i, input: true, parameters), ElementType(i.ElementType)!, Dims(i), ShapeText(i), i.DocString, i.Kind == ValueKind.Sequence))
                .ToEquatableArray();
            var outputSpecs = outputs
                .Select(o => new TensorSpec(o.Name, Name(o, input: false, properties), ElementType(o.ElementType)!, Dims(o), ShapeText(o), o.DocString, o.Kind == ValueKind.Sequence))
                .ToEquatableArray();

            var symbolSpecs = Symbols(symbols, inputSpecs, parameters);

            // A fixed dim is a constant named after its tensor's property or parameter: HiddenDim1, NumberDim1.
            var constants = new List<DimConstant>();
            foreach (var tensor in inputSpecs.Concat(outputSpecs))
            {
                string prefix = tensor.Identifier.TrimStart('@');
                prefix = char.ToUpperInvariant(prefix[0]) + prefix.Substring(1);
                for (int d = 0; d < tensor.Dims.Count; d++)
                {
                    if (tensor.Dims[d] >= 0)
                    {
                        string name = Identifiers.Unique(prefix + "Dim" + d.ToString(System.Globalization.CultureInfo.InvariantCulture), members);
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
            var (plan, reasons) = Compiled.Planner.Plan(signature, symbolSpecs, inputSpecs, outputSpecs, cancellationToken);
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
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CompiledFallbackWarning, location, model, string.Join("; ", reasons)));
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

        /// <summary>
        /// The symbolic dims and which of them <c>Predict</c> takes as parameters, decided by the runtime's own rule
        /// (<see cref="SymbolInference.Roles"/>).
        /// </summary>
        private static EquatableArray<SymbolSpec> Symbols(List<string> symbols, EquatableArray<TensorSpec> inputs, HashSet<string> parameters)
        {
            var roles = SymbolInference.Roles(inputs.Select(i => i.IsSequence ? null : i.Dims.ToArray()).ToArray(), symbols.Count);
            // Parameter names first, in symbol order, so that each is unique against the inputs' and each other's.
            var names = symbols.Select((s, i) => roles[i] is SymbolRole.Given or SymbolRole.Optional
                ? Identifiers.Unique(Identifiers.Camel(s, "dim"), parameters) : null).ToList();
            return symbols.Select((s, i) => new SymbolSpec(s, names[i], roles[i] == SymbolRole.Optional)).ToEquatableArray();
        }

        /// <summary>
        /// The <c>Names</c> entries as ONNX name → identifier, each written <c>onnxName=Identifier</c> and split at the last
        /// <c>=</c> (an identifier holds none), so any ONNX name can be written. Each bad entry is a TM0014.
        /// </summary>
        private static Dictionary<string, string> ChosenNames(EquatableArray<OutputRequest> entries, ModelSignature signature, string model, List<DiagnosticInfo> diagnostics)
        {
            var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
            var byIdentifier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var tensors = signature.Inputs.Concat(signature.Outputs).ToList();
            foreach (var entry in entries)
            {
                int split = entry.Name.LastIndexOf('=');
                string onnx = split < 0 ? entry.Name : entry.Name.Substring(0, split);
                string identifier = split < 0 ? "" : entry.Name.Substring(split + 1).Trim();
                string? problem =
                    split <= 0 ? "write it as onnxName=Identifier"
                    : !IsIdentifier(identifier) ? $"'{identifier}' is not a C# identifier"
                    : !tensors.Any(t => t.Name == onnx) ? $"the model has no input or output named '{onnx}'; its names are: {Quoted(tensors)}"
                    : chosen.ContainsKey(onnx) ? $"'{onnx}' is named twice"
                    // Outputs are Pascal-cased properties and inputs camel-cased parameters: one name in two cases is one name.
                    : byIdentifier.TryGetValue(identifier, out var other) ? $"'{other}' is already named {identifier}; two tensors cannot share a name"
                    : null;
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNamesEntryError, entry.Location, entry.Name, model, problem));
                    continue;
                }
                chosen[onnx] = identifier;
                byIdentifier[identifier] = onnx;
            }
            return chosen;
        }

        /// <summary>Tensor names quoted and listed, as diagnostics quote them: a name may hold commas.</summary>
        private static string Quoted(IEnumerable<TensorSignature> tensors) => string.Join(", ", tensors.Select(t => "'" + t.Name + "'"));

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

        /// <summary>The C# and ONNX Runtime names of an ONNX element type (<see cref="ElementTypes"/>); null when the client cannot carry it.</summary>
        public static ElementTypeSpec? ElementType(string onnxName) =>
            ElementTypes.Carried(onnxName) is { } carried ? new(onnxName, carried.ClrType, carried.OrtName) : null;

        private static DiagnosticInfo FileError(ItemSpec item, SignatureError error) => error.Kind == SignatureErrorKind.Missing
            ? DiagnosticInfo.Create(DiagnosticDescriptors.ModelFileNotFoundError, item.Location, item.ModelPath)
            : DiagnosticInfo.Create(DiagnosticDescriptors.ModelFileInvalidError, item.Location, item.ModelPath, error.Message);

        private static string ShapeText(TensorSignature tensor) =>
            tensor.Shape is { } shape ? "[" + string.Join(", ", shape.Select(d => d.ToString())) + "]" : "[*]";

        private static IEnumerable<string> SplitNames(string list) =>
            list.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Select(n => Uri.UnescapeDataString(n.Trim())).Where(n => n.Length > 0);

        private static List<ExpressionSyntax> ArrayElements(AttributeSyntax? syntax, string name)
        {
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
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
