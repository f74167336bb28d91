using System;
using System.IO;

namespace TypedModels.Testing;

/// <summary>Where this repository is, found from the running program's folder; shared by the tests and the benchmarks.</summary>
internal static class Repository
{
    /// <summary>The folder that holds TypedModels.sln.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (!File.Exists(Path.Combine(dir.FullName, "TypedModels.sln")))
                dir = dir.Parent ?? throw new InvalidOperationException("TypedModels.sln not found above " + AppContext.BaseDirectory);
            return dir.FullName;
        }
    }
}
