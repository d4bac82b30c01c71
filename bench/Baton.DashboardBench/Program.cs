using Baton.DashboardBench;

return await DashboardBench.RunAsync(args);
