/**
 * The hub's own WSDL for each service version it serves, with the address it is served
 * at. The types are written from the same descriptions as the codecs (domain/xsd), not
 * copied from the published definitions; the messages, actions and bindings follow the
 * published interface (document/literal, WS-Addressing actions), for SOAP 1.1 and 1.2.
 */
import { seq } from '../domain/schema.js';
import { XsdWriter } from '../domain/xsd.js';
import { NS } from '../suwiml/ns.js';
import type { AnyService } from '../suwiml/services/index.js';

const FWI_SCHEMA = `    <xs:schema targetNamespace="${NS.fwi}" elementFormDefault="unqualified" attributeFormDefault="unqualified">
      <xs:complexType name="FWI">
        <xs:sequence>
          <xs:choice maxOccurs="unbounded">
            <xs:element name="Fout" type="fwi:Melding"/>
            <xs:element name="Waarschuwing" type="fwi:Melding"/>
            <xs:element name="Informatie" type="fwi:Melding"/>
          </xs:choice>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="Melding">
        <xs:sequence>
          <xs:element name="Code" type="xs:string"/>
          <xs:element name="Tekst" type="xs:string"/>
          <xs:element name="Detail" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
          <xs:element name="Bron">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="DN" type="xs:string"/>
              </xs:sequence>
            </xs:complexType>
          </xs:element>
        </xs:sequence>
      </xs:complexType>
      <xs:element name="FWI" type="fwi:FWI"/>
      <xs:element name="Fout" type="fwi:Melding"/>
      <xs:element name="NietsGevonden"/>
      <xs:element name="NietGerechtigd"/>
      <xs:element name="NietVanToepassing"/>
    </xs:schema>
`;

function serviceSchema(s: AnyService): string {
  const w = new XsdWriter('smls');
  const request = w.node(s.operation, s.request, '', '', '      ');
  let response: string;
  if (s.dienst === 'verwijsindex') {
    response = `      <xs:element name="${s.responseElement}">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="Acknowledgement" minOccurs="0"><xs:complexType/></xs:element>
            <xs:element name="FWI" type="fwi:FWI" minOccurs="0"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
`;
  } else {
    const client = w.node('ClientSuwi', seq(s.clientSuwi.fields), '', '', '              ');
    response = `      <xs:element name="${s.responseElement}">
        <xs:complexType>
          <xs:choice>
            <xs:sequence>
${client}              <xs:element ref="fwi:FWI" minOccurs="0"/>
            </xs:sequence>
            <xs:element ref="fwi:FWI"/>
            <xs:element ref="fwi:NietsGevonden"/>
          </xs:choice>
        </xs:complexType>
      </xs:element>
`;
  }
  return (
    `    <xs:schema targetNamespace="${s.namespace}" elementFormDefault="unqualified" attributeFormDefault="unqualified">\n` +
    `      <xs:import namespace="${NS.fwi}"/>\n` +
    request +
    response +
    w.simpleTypes('      ') +
    `    </xs:schema>\n`
  );
}

export function wsdlFor(s: AnyService, address: string): string {
  const op = s.operation;
  const binding = (name: string, prefix: string) => `  <wsdl:binding name="${name}" type="smls:${op}">
    <${prefix}:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsaw:UsingAddressing wsdl:required="true"/>
    <wsdl:operation name="${op}">
      <${prefix}:operation soapAction="${s.actions.request}"/>
      <wsdl:input><${prefix}:body use="literal"/></wsdl:input>
      <wsdl:output><${prefix}:body use="literal"/></wsdl:output>
      <wsdl:fault name="AanvraagNietOk"><${prefix}:fault name="AanvraagNietOk" use="literal"/></wsdl:fault>
    </wsdl:operation>
  </wsdl:binding>
`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl" xmlns:xs="${NS.xs}" xmlns:smls="${s.namespace}" xmlns:fwi="${NS.fwi}" targetNamespace="${s.namespace}">
  <wsdl:documentation>${s.path}, geserveerd door de DKD hub. SOAP 1.1 en 1.2 over HTTPS met tweezijdig TLS (PKIoverheid, OIN in het certificaat); WS-Addressing verplicht (MessageID, Action, From met ?oin=, To); WS-Security volgens Digikoppeling 2W-BE-S (handtekening over Body, Timestamp en de addressing-headers; exclusive c14n, SHA-256).</wsdl:documentation>
  <wsdl:types>
${FWI_SCHEMA}${serviceSchema(s)}  </wsdl:types>
  <wsdl:message name="${op}"><wsdl:part name="parameters" element="smls:${op}"/></wsdl:message>
  <wsdl:message name="${s.responseElement}"><wsdl:part name="parameters" element="smls:${s.responseElement}"/></wsdl:message>
  <wsdl:message name="AanvraagNietOk"><wsdl:part name="parameters" element="fwi:Fout"/></wsdl:message>
  <wsdl:portType name="${op}">
    <wsdl:operation name="${op}">
      <wsdl:input message="smls:${op}" wsaw:Action="${s.actions.request}"/>
      <wsdl:output message="smls:${s.responseElement}" wsaw:Action="${s.actions.response}"/>
      <wsdl:fault name="AanvraagNietOk" message="smls:AanvraagNietOk" wsaw:Action="${s.actions.fault}"/>
    </wsdl:operation>
  </wsdl:portType>
${binding(`${op}Binding`, 'soap')}${binding(`${op}Binding12`, 'soap12')}  <wsdl:service name="${s.path}">
    <wsdl:port name="${s.path}-soap11" binding="smls:${op}Binding"><soap:address location="${address}"/></wsdl:port>
    <wsdl:port name="${s.path}-soap12" binding="smls:${op}Binding12"><soap12:address location="${address}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}
