using System.Reflection;

namespace Baton.Server.Tests.Support;

/// <summary>An interface implemented by one function of (method, arguments): a store scripted for one test.</summary>
public class ScriptedProxy : DispatchProxy
{
    private Func<MethodInfo, object?[], object?> _handler = (method, _) => throw new NotSupportedException(method.Name);

    public static T Create<T>(Func<MethodInfo, object?[], object?> handler) where T : class
    {
        var proxy = DispatchProxy.Create<T, ScriptedProxy>();
        ((ScriptedProxy)(object)proxy)._handler = handler;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => _handler(targetMethod!, args ?? []);
}
