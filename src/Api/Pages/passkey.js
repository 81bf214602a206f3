// Passkeys on the hosted pages: a button with data-passkey="create" or "get" asks the page's own
// endpoint (data-options) for WebAuthn options, posting its form (antiforgery token and all),
// lets the browser make or use a passkey, puts the credential in the form's hidden field
// (data-field) and submits the form. Without WebAuthn (or without this script) the button stays hidden.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const supported = window.PublicKeyCredential
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';
  for (const button of document.querySelectorAll('button[data-passkey]')) {
    if (!supported) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      const form = button.form;
      const status = form.querySelector('[data-passkey-status]');
      const say = (text) => { if (status) status.textContent = text; };
      button.disabled = true;
      try {
        const response = await fetch(button.dataset.options, { method: 'POST', body: new FormData(form), credentials: 'same-origin' });
        if (!response.ok) { say('Passkeys cannot be used right now. Reload the page and try again.'); return; }
        const options = await response.json();
        const credential = button.dataset.passkey === 'create'
          ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
          : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        form.elements[button.dataset.field].value = JSON.stringify(credential.toJSON());
        form.submit();
      } catch (error) {
        say(error && error.name === 'NotAllowedError' ? 'The passkey prompt was closed or timed out. Try again.' : 'That did not work. Try again, or use another way.');
      } finally {
        button.disabled = false;
      }
    });
  }
});
