// The first import of main.tsx (modules evaluate in import order). Monaco (theme colours,
// decorations) and the dialogs' scroll lock create <style> elements at run time, and Monaco has
// no nonce option: stamp the page's CSP nonce on each, so the policy needs no 'unsafe-inline'
// for style elements. The page carries the nonce in <meta property="csp-nonce" nonce="…">.
const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
const nonce = meta?.nonce || meta?.getAttribute('nonce') || '';
if (nonce) {
  const createElement = document.createElement.bind(document);
  document.createElement = (tagName: string, options?: ElementCreationOptions) => {
    const element = createElement(tagName, options);
    if (element instanceof HTMLStyleElement) element.nonce = nonce;
    return element;
  };
}
export {};
