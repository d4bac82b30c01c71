using Baton.Core.Packages;

namespace Baton.Core.Tests.Packages;

public sealed class PythonModuleNamesTests
{
    [Theory]
    [InlineData("def main():\n    pass\n", "main")]
    [InlineData("async def main():\n    pass\n", "main")]
    [InlineData("@decorator(x=1)\ndef main(a, b=2) -> int: return 1\n", "main")]
    [InlineData("class Main:\n    def run(self): pass\n", "Main")]
    [InlineData("from .impl import main\n", "main")]
    [InlineData("from impl import (a,\n    other as main,\n)\n", "main")]
    [InlineData("import os.path as main\n", "main")]
    [InlineData("import json, main\n", "main")]
    [InlineData("main = lambda **kw: kw\n", "main")]
    [InlineData("a = main = print\n", "main")]
    [InlineData("main: Callable = print\n", "main")]
    [InlineData("a, (b, *main) = 1, (2, 3)\n", "main")]
    [InlineData("try:\n    from fast import main\nexcept ImportError:\n    def main():\n        pass\n", "main")]
    [InlineData("if sys.version_info >= (3, 11):\n    def main(): pass\nelse:\n    main = None\n", "main")]
    [InlineData("for main in [print]: pass\n", "main")]
    [InlineData("with open(__file__) as main:\n    pass\n", "main")]
    [InlineData("if (main := print):\n    pass\n", "main")]
    [InlineData("x = 1; main = 2\n", "main")]
    [InlineData("if True: main = print\n", "main")]
    [InlineData("match = 3\n", "match")]
    public void Names_bound_at_the_top_level_are_found(string source, string name)
    {
        var names = PythonModuleNames.Read(source);
        Assert.Null(names.Dynamic);
        Assert.Contains(name, names.Bound);
    }

    [Theory]
    [InlineData("def run():\n    def main():\n        pass\n    main = 1\n")]
    [InlineData("class Jobs:\n    def main(self): pass\n    main2 = main\n")]
    [InlineData("x = '''\ndef main():\n    pass\n'''\n")]
    [InlineData("# def main(): pass\nx = 1\n")]
    [InlineData("x = r\"\\\"\" ; y = 'def main(): pass'\n")]
    [InlineData("obj.main = print\n")]
    [InlineData("table[main] = print\n")]
    [InlineData("print(main=1)\n")]
    [InlineData("if main == 1:\n    pass\n")]
    [InlineData("def run(): return 1\nmain\n")]
    [InlineData("x = [\n  1,\n  2]\ndef run(): pass\n")]
    [InlineData("def run():\n    return f\"{main}\"\n")]
    public void Names_not_bound_at_the_top_level_are_not_found(string source)
    {
        var names = PythonModuleNames.Read(source);
        Assert.Null(names.Dynamic);
        Assert.DoesNotContain("main", names.Bound);
        Assert.False(names.MayBind("main"));
    }

    [Theory]
    [InlineData("from helpers import *\n", "import *")]
    [InlineData("def __getattr__(name):\n    return print\n", "__getattr__")]
    [InlineData("globals()['ma' + 'in'] = print\n", "globals")]
    [InlineData("exec('def main(): pass')\n", "exec")]
    [InlineData("import sys\nsys.modules[__name__].main = print\n", "sys.modules")]
    [InlineData("def install():\n    setattr(sys.modules[__name__], 'main', print)\n", "setattr")]
    public void Dynamic_bindings_make_any_name_possible(string source, string why)
    {
        var names = PythonModuleNames.Read(source);
        Assert.Contains(why, names.Dynamic, StringComparison.Ordinal);
        Assert.True(names.MayBind("anything"));
    }

    [Fact]
    public void Functions_are_listed_in_source_order_for_suggestions()
    {
        var names = PythonModuleNames.Read("import os\n\ndef main():\n    pass\n\nasync def helper():\n    pass\n\nclass C:\n    def method(self): pass\n");
        Assert.Equal(["main", "helper"], names.Functions);
        Assert.Equal(["C", "helper", "main", "os"], names.Bound.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Indentation_with_tabs_and_continuation_lines_keeps_scopes_apart()
    {
        const string source = "def run(a,\n        b):\n\tx = 1\n\tif x: \\\n\t\ty = 2\nmain = \\\n    run\n";
        var names = PythonModuleNames.Read(source);
        Assert.Equal(["main", "run"], names.Bound.Order(StringComparer.Ordinal));
    }
}
