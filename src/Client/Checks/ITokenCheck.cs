using Identity.Contracts.Sessions;

namespace Identity.Client.Checks;

/// <summary>How a mode asks whether a token (already parsed) is active.</summary>
internal interface ITokenCheck
{
    /// <summary>The token's session when active; null when not. Throws <see cref="GridUnavailableException"/> when the grid cannot be asked.</summary>
    ValueTask<GridSession?> CheckAsync(SessionToken token, string text, CancellationToken cancellationToken);
}

/// <summary>The grid could not be asked (unreachable, overloaded, failing): the answer is 503, not 401.</summary>
internal sealed class GridUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
